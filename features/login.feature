@login
Feature: Log in with e-mail and password (v1: POST /admin/auth; v2: POST /auth/user/emailpass, then POST /auth/session)
  An admin logs in with their e-mail and password (Medusa v2: the
  credentials get a token, and the token opens the session). The backend
  answers with the user (v2: the token's claims), never a password hash,
  and a session cookie the browser keeps. Bad credentials are refused
  without telling whether the e-mail exists; malformed requests are refused.

  In the request bodies below, {{email}} and {{password}} stand for the
  admin's configured e-mail and password, which never appear in this file.

  Scenario: The admin logs in with good credentials
    When I log in with the admin's e-mail and password
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user has the admin's e-mail
    And the response sets an HttpOnly session cookie

  @v1
  Scenario: The e-mail is matched whatever its letter case
    When I log in with the admin's e-mail in upper case and the admin's password
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user has the admin's e-mail

  @v2
  Scenario: The e-mail is matched exactly, letter case included
    When I log in with the admin's e-mail in upper case and the admin's password
    Then the response status is 401
    And the response is an "unauthorized" error saying "Invalid email or password"
    And the response does not start a logged-in session

  Scenario: A wrong password is refused
    When I log in with the admin's e-mail and a wrong password
    Then the response status is 401
    And the response does not reveal the user
    And the response does not start a logged-in session

  Scenario: A wrong password and an unknown e-mail get the same answer
    When I log in with the admin's e-mail and a wrong password
    Then the response status is 401
    And I keep the response as "wrong password"
    When I log in with an unknown e-mail and a password
    Then the response status is 401
    And the response is answered the same way as "wrong password"

  @v1
  Scenario Outline: A malformed login request is refused as invalid data (<case>)
    When I log in with the body <body>
    Then the response status is 400
    And the response is an "invalid_data" error saying "<message>"

    Examples:
      | case                 | body                                                           | message                                                                                      |
      | no e-mail            | {"password": "{{password}}"}                                     | email should not be empty, email must be an email                                            |
      | no password          | {"email": "{{email}}"}                                           | password should not be empty, password must be a string                                      |
      | empty object         | {}                                                             | email should not be empty, email must be an email, password should not be empty, password must be a string |
      | not an e-mail        | {"email": "not-an-email", "password": "{{password}}"}            | email must be an email                                                                       |
      | extra property       | {"email": "{{email}}", "password": "{{password}}", "remember_me": true} | property remember_me should not exist                                                   |
      | password a number    | {"email": "{{email}}", "password": 12345678}                     | password must be a string                                                                    |
      | empty password       | {"email": "{{email}}", "password": ""}                           | password should not be empty                                                                 |

  @v2
  Scenario Outline: A malformed login request is refused as unauthorized (<case>)
    When I log in with the body <body>
    Then the response status is 401
    And the response is an "unauthorized" error saying "<message>"
    And the response does not start a logged-in session

    Examples:
      | case              | body                                                           | message                    |
      | no e-mail         | {"password": "{{password}}"}                                     | Email should be a string   |
      | no password       | {"email": "{{email}}"}                                           | Password should be a string |
      | empty object      | {}                                                             | Password should be a string |
      | not an e-mail     | {"email": "not-an-email", "password": "{{password}}"}            | Invalid email or password  |
      | password a number | {"email": "{{email}}", "password": 12345678}                     | Password should be a string |
      | empty password    | {"email": "{{email}}", "password": ""}                           | Password should be a string |

  Scenario: A login body that is not JSON is refused
    When I log in with the raw body "email=admin&password=secret" sent as JSON
    Then the response status is 400
    And the response body, if JSON, is an "invalid_data" error
    And the response does not start a logged-in session
