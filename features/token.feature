@token
Feature: Get an access token (v1: POST /admin/auth/token; v2: POST /auth/user/emailpass)
  An admin exchanges their e-mail and password for an access token (a JWT)
  that the backend then accepts as a bearer token on the admin routes. The
  same validation rules as for logging in apply.

  In the request bodies below, {{email}} and {{password}} stand for the
  admin's configured e-mail and password, which never appear in this file.

  Scenario: Good credentials give an access token that the backend accepts
    When I request an access token with the admin's e-mail and password
    Then the response status is 200
    And the response body matches the "AdminBearerAuthRes" schema
    And the access token is a well-formed JWT
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response body matches the "AdminAuthRes" schema
    And the response user has the admin's e-mail

  @v1
  Scenario: The e-mail is matched whatever its letter case
    When I request an access token with the admin's e-mail in upper case and the admin's password
    Then the response status is 200
    And the response body matches the "AdminBearerAuthRes" schema

  @v2
  Scenario: The e-mail is matched exactly, letter case included
    When I request an access token with the admin's e-mail in upper case and the admin's password
    Then the response status is 401
    And the response is an "unauthorized" error saying "Invalid email or password"
    And the response does not contain an access token

  Scenario: A wrong password and an unknown e-mail get the same answer, and no token
    When I request an access token with the admin's e-mail and a wrong password
    Then the response status is 401
    And the response does not contain an access token
    And I keep the response as "wrong password"
    When I request an access token with an unknown e-mail and a password
    Then the response status is 401
    And the response does not contain an access token
    And the response is answered the same way as "wrong password"

  @v1
  Scenario Outline: A malformed token request is refused as invalid data (<case>)
    When I request an access token with the body <body>
    Then the response status is 400
    And the response is an "invalid_data" error saying "<message>"
    And the response does not contain an access token

    Examples:
      | case              | body                                                           | message                                                 |
      | no e-mail         | {"password": "{{password}}"}                                     | email should not be empty, email must be an email       |
      | no password       | {"email": "{{email}}"}                                           | password should not be empty, password must be a string |
      | not an e-mail     | {"email": "not-an-email", "password": "{{password}}"}            | email must be an email                                  |
      | extra property    | {"email": "{{email}}", "password": "{{password}}", "remember_me": true} | property remember_me should not exist              |
      | password a number | {"email": "{{email}}", "password": 12345678}                     | password must be a string                               |

  @v2
  Scenario Outline: A malformed token request is refused as unauthorized (<case>)
    When I request an access token with the body <body>
    Then the response status is 401
    And the response is an "unauthorized" error saying "<message>"
    And the response does not contain an access token

    Examples:
      | case              | body                                                           | message                     |
      | no e-mail         | {"password": "{{password}}"}                                     | Email should be a string    |
      | no password       | {"email": "{{email}}"}                                           | Password should be a string |
      | not an e-mail     | {"email": "not-an-email", "password": "{{password}}"}            | Invalid email or password   |
      | password a number | {"email": "{{email}}", "password": 12345678}                     | Password should be a string |

  Scenario: A token body that is not JSON is refused
    When I request an access token with the raw body "email=admin&password=secret" sent as JSON
    Then the response status is 400
    And the response body, if JSON, is an "invalid_data" error
    And the response does not contain an access token

  @v2
  Scenario: A token refreshed with a bearer token is a new token the backend accepts
    Given I have an access token for the admin
    When I refresh the access token with the access token as a bearer
    Then the response status is 200
    And the response body matches the "V2AuthToken" schema
    And the access token is a well-formed JWT
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response user has the admin's e-mail

  @v2
  Scenario: A token refreshed with the session cookie is a token the backend accepts
    Given I am logged in as the admin
    When I refresh the access token with the session cookie
    Then the response status is 200
    And the access token is a well-formed JWT
    When I ask who I am with the access token as a bearer
    Then the response status is 200
    And the response user is the user who logged in

  @v2
  Scenario Outline: A token refresh without valid credentials is refused (<credentials>)
    Given I am logged in as the admin
    When I refresh the access token with <credentials>
    Then the response status is 401
    And the response does not contain an access token

    Examples:
      | credentials                               |
      | no credentials                            |
      | a garbage bearer token                    |
      | a bearer token signed with another secret |
      | a tampered session cookie                 |

  @v2 @api-token
  Scenario: A secret API key gets no token
    When I refresh the access token with the API token
    Then the response status is 401
    And the response does not contain an access token
