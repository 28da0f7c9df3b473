@login
Feature: Log in with e-mail and password (createSession, POST /admin/auth)
  An admin logs in with their e-mail and password. The backend answers with
  the user (never its password hash) and a session cookie that the browser
  keeps for the following requests. Bad credentials are refused without
  telling whether the e-mail exists; malformed requests are refused as
  invalid data.

  In the request bodies below, {{email}} and {{password}} stand for the
  admin's configured e-mail and password, which never appear in this file.

  Scenario: The admin logs in with good credentials
    When I log in with the admin's e-mail and password
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user has the admin's e-mail
    And the response sets an HttpOnly session cookie

  Scenario: The e-mail is matched whatever its letter case
    When I log in with the admin's e-mail in upper case and the admin's password
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user has the admin's e-mail

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

  Scenario: A login body that is not JSON is refused
    When I log in with the raw body "email=admin&password=secret" sent as JSON
    Then the response status is 400
    And the response body, if JSON, is an "invalid_data" error
    And the response does not start a logged-in session
